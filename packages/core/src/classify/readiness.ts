import type { SiglumeEvent } from "../event/types.js";

/**
 * Siglume's readiness tool sends a harmless signed event that must get a 2xx
 * and must not fulfil anything.
 */
export function isReadinessProbe(event: SiglumeEvent): boolean {
  const data = event.data as Record<string, unknown>;
  return data.readiness_probe === true || data.mode === "readiness_probe";
}
