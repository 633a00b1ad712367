// Imported first by a telemetry test file: the SDK registered as the process's global providers, and HTTP and
// pg instrumented, before any framework module loads (as an app's --import of its tracing file does).
import { instrumentHttpAndPg, registerGlobally, sdk } from "./telemetry.js";

export const registered = sdk();
registerGlobally(registered);

/** The instrumented `pg`: queries through it are spans. */
export const pg = instrumentHttpAndPg();
