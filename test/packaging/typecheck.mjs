// `node typecheck.mjs <tsc> <tsconfig> [tsc options…]` in an app: compiles it like `tsc -p <tsconfig>` with the given tsc
// (the app's TypeScript 7 or 5.9: TypeScript 7 has no JavaScript compiler API, only its tsc binary),
// emitting even with errors, and prints every diagnostic as a JSON line {file, line, text}.
//
// Plain tsc is not enough: when any file has a syntax error, tsc reports the syntax errors only (of
// every file), so one broken README block would hide the errors of all the others and of the app. So
// when the first run reports errors, the files it named are left out (a generated tsconfig that
// extends the app's) and the rest is checked again: that second run has no syntax error left and
// reports every other file's errors. (A file left out that another file imports comes back with its
// importer, and with it its syntax errors: then, as with tsc, that is all the second run reports.)
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";

const [tsc, tsconfig, ...options] = process.argv.slice(2);
if (!tsc || !tsconfig) throw new Error("usage: node typecheck.mjs <path of tsc> <tsconfig> [tsc options…]");
// Its own name: the app is compiled by two TypeScript versions at once.
const RECHECK = `tsconfig.recheck-${process.pid}.json`;

/** One tsc run: its diagnostics, continuation lines joined to the message they continue. */
function run(args) {
  return new Promise((done) => {
    execFile(process.execPath, [tsc, ...args, "--pretty", "false"], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const diagnostics = [];
      for (const line of `${stdout}\n${stderr}`.split("\n")) {
        if (!line.trim()) continue;
        const located = /^(.+?)\((\d+),\d+\): (error|warning|message) (TS\d+: [\s\S]*)$/.exec(line);
        if (located) diagnostics.push({ file: relative(process.cwd(), resolve(located[1])), line: Number(located[2]), text: `${located[3]} ${located[4]}` });
        else if (/^\s/.test(line) && diagnostics.length) diagnostics.at(-1).text += `\n${line}`;
        else diagnostics.push({ file: "", line: 0, text: line }); // a global diagnostic (TS5023 …) or a crash
      }
      if (error && typeof error.code !== "number") diagnostics.push({ file: "", line: 0, text: String(error) });
      done(diagnostics);
    });
  });
}

const seen = new Set();
const report = (diagnostics) => {
  for (const diagnostic of diagnostics) {
    const line = JSON.stringify(diagnostic);
    if (!seen.has(line)) console.log(line);
    seen.add(line);
  }
};

const first = await run(["-p", tsconfig, ...options]);
report(first);
const named = [...new Set(first.map((d) => d.file).filter((file) => file.startsWith("src/")))];
if (named.length > 0) {
  writeFileSync(RECHECK, JSON.stringify({ extends: `./${tsconfig}`, compilerOptions: { noEmit: true }, include: ["src"], exclude: named }));
  try {
    // "No inputs were found" only means every file was named by the first run.
    report((await run(["-p", RECHECK])).filter((d) => !d.text.startsWith("error TS18003:")));
  } finally {
    rmSync(RECHECK, { force: true });
  }
}
