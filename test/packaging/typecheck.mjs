// `node typecheck.mjs` in an app: compiles it like `tsc -p .` with the app's own TypeScript, and
// prints every diagnostic as JSON lines. Unlike tsc, it asks for every file's semantic diagnostics
// even when some file has a syntax error (tsc then reports the syntax errors only, so one broken
// README block would hide the errors of all the others and of the app).
import { createRequire } from "node:module";
import { relative } from "node:path";

const ts = createRequire(`${process.cwd()}/`)("typescript");
const file = ts.findConfigFile(process.cwd(), ts.sys.fileExists);
const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report(d) });
const program = ts.createProgram({
  rootNames: parsed.fileNames,
  options: parsed.options,
  configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
});

function report(diagnostic) {
  const where = diagnostic.file
    ? {
        file: relative(process.cwd(), diagnostic.file.fileName),
        line: diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1,
      }
    : { file: "", line: 0 };
  const category = ts.DiagnosticCategory[diagnostic.category].toLowerCase();
  const text = `${category} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
  console.log(JSON.stringify({ ...where, text }));
}

for (const diagnostic of [
  ...program.getConfigFileParsingDiagnostics(),
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...program.getSourceFiles().flatMap((source) => [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ]),
  ...program.emit().diagnostics,
]) {
  report(diagnostic);
}
