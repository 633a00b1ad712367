import { libraryConfig } from "../../tsup.base.js";

// Nest packages stay external: the app's own copies must be used (DI tokens are class identities).
export default libraryConfig({ external: [/^@nestjs\//, "reflect-metadata", "rxjs"] });
