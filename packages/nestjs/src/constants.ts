/** Metadata key under which the Siglume handler decorators mark methods for discovery. */
export const SIGLUME_HANDLER_METADATA = "siglume-middleware:handler";
