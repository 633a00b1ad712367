/** Metadata key under which the handler decorators mark methods for discovery. */
export const SIGLUME_HANDLER_METADATA = "siglume-middleware:handler";

/** Injection token of the module options (declared here so the service does not import the module definition). */
export const SIGLUME_MODULE_OPTIONS = "SIGLUME_MODULE_OPTIONS";
