// The API reference: TypeDoc over the published types of every publishable package, found rather than listed
// (scripts/lib/packages.mjs), one module per entry point of each package's "exports" (`@siglume-middleware/core`,
// `@siglume-middleware/core/node`, `@siglume-middleware/nestjs/adyen`, …), read from the TypeScript sources.
//
//   node scripts/docs-api.mjs           builds the HTML reference into docs/api/ (git-ignored; open docs/api/index.html)
//   node scripts/docs-api.mjs --check   only converts and validates (what `npm test` runs): no HTML written
//   node scripts/docs-api.mjs --list    prints the entry points it documents, as JSON
//
// Both fail (exit 1) on any TypeDoc warning: an exported symbol (or a property, method or enum member of one)
// without a doc comment, a `{@link}` that resolves to nothing, a type our exports use but no entry point exports.
// TypeDoc's own check (validation.notDocumented) covers the symbols, methods and enum members; properties are
// checked here (undocumentedMembers), because TypeDoc's would also demand comments inside inferred types.
// One TypeScript program for all packages: each package's own specifiers map to its sources (compilerOptions.paths),
// so a symbol re-exported by another package is documented once and linked. Type errors are `turbo run typecheck`'s
// business (skipErrorChecking), which also keeps the check fast.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { Application, Comment, Converter, LogLevel, ReflectionKind } from "typedoc";
import { publishablePackages, root } from "./lib/packages.mjs";

const check = process.argv.includes("--check");
const out = join(root, "docs/api");

/**
 * Every published entry point: `{ specifier, source, pkg }` for each subpath of each publishable package's
 * "exports" (its "types" when it has no "exports"); a package with neither (the CLI: a bin only) has no API.
 * The source of `./dist/<name>.d.ts` is `src/<name>.ts` or `src/<name>/index.ts`.
 */
export function apiEntryPoints() {
  return dependenciesFirst(publishablePackages()).flatMap((pkg) => {
    const { exports, types } = pkg.manifest;
    const subpaths = exports
      ? Object.entries(typeof exports === "string" || exports["."] === undefined ? { ".": exports } : exports)
      : types
        ? [[".", types]]
        : [];
    return subpaths
      .filter(([subpath]) => subpath !== "./package.json")
      .map(([subpath, target]) => {
        const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, "")}`;
        const typesPath = typesOf(target);
        const name = typesPath?.match(/^\.\/dist\/(.+)\.d\.[cm]?ts$/)?.[1];
        const candidates = name ? [`src/${name}.ts`, `src/${name}/index.ts`] : [];
        const found = candidates.map((file) => join(root, pkg.dir, file)).find((file) => existsSync(file));
        if (!found) {
          throw new Error(
            `${pkg.dir}/package.json: cannot find the source of "${specifier}" (types ${typesPath ?? "missing"}); ` +
              `looked for ${candidates.map((file) => `${pkg.dir}/${file}`).join(", ") || "a ./dist/<name>.d.ts"}`,
          );
        }
        return { specifier, source: found, pkg };
      });
  });
}

/**
 * The packages ordered so that each comes after the workspace packages it depends on: TypeDoc documents a symbol
 * in the first module that exports it and links the later ones to it, so it belongs to the package declaring it.
 */
function dependenciesFirst(packages) {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const ordered = new Set();
  const visiting = new Set();
  const visit = (pkg) => {
    if (ordered.has(pkg) || visiting.has(pkg)) return; // a cycle (none expected) ends here rather than looping
    visiting.add(pkg);
    const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
    for (const name of Object.keys({ ...dependencies, ...peerDependencies })) {
      const dependency = byName.get(name);
      if (dependency) visit(dependency);
    }
    ordered.add(pkg);
  };
  packages.forEach(visit);
  return [...ordered];
}

/** The "types" an exports target resolves to for `import` (or at all): a string, or the first one found in its conditions. */
function typesOf(target) {
  if (typeof target === "string") return target.endsWith(".d.ts") ? target : target.replace(/\.[cm]?js$/, ".d.ts");
  if (!target || typeof target !== "object") return undefined;
  if (typeof target.types === "string") return target.types;
  for (const key of ["import", "default", "require", ...Object.keys(target)]) {
    const found = target[key] !== undefined ? typesOf(target[key]) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Warns for each property of our packages' interfaces, classes and object type aliases without a doc comment. Left
 * out: the inferred types of variables (a zod schema's shape, a builder object's methods), which TypeDoc's own check
 * would count, properties nested in another property's type, and the members of a union's object types.
 */
function undocumentedMembers(project, packages, logger) {
  for (const property of project.getReflectionsByKind(ReflectionKind.Property)) {
    if (property.hasComment() || property.inheritedFrom) continue;
    const parent = property.parent;
    const direct =
      parent?.kindOf(ReflectionKind.Interface | ReflectionKind.Class) ||
      (parent?.kindOf(ReflectionKind.TypeLiteral) && parent.parent?.kindOf(ReflectionKind.TypeAlias) && parent.parent.type?.type === "reflection");
    const symbol = project.getSymbolIdFromReflection(property);
    if (!direct || !symbol || !packages.has(symbol.packageName)) continue;
    logger.validationWarning(`${property.getFriendlyFullName()} (property) has no doc comment: ${symbol.packageName}/${symbol.packagePath}`);
  }
}

async function main() {
  const started = performance.now();
  const entries = apiEntryPoints();
  if (process.argv.includes("--list")) {
    console.log(JSON.stringify(entries.map((entry) => ({ specifier: entry.specifier, source: relative(root, entry.source) }))));
    return;
  }
  const bySource = new Map(entries.map((entry) => [entry.source, entry]));
  const paths = Object.fromEntries([
    ...entries.map((entry) => [entry.specifier, [entry.source]]),
    // The core's runtime seam, as its declaration build resolves it (packages/core/tsup.config.ts).
    ["#platform", [join(root, "packages/core/src/platform/node.ts")]],
  ]);

  const app = await Application.bootstrapWithPlugins(
    {
      name: "siglume-middleware API reference",
      entryPoints: entries.map((entry) => entry.source),
      entryPointStrategy: "resolve",
      displayBasePath: join(root, "packages"),
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: ["node"],
        strict: true,
        experimentalDecorators: true,
        skipLibCheck: true,
        paths,
      },
      skipErrorChecking: true,
      excludePrivate: true,
      excludeInternal: true,
      readme: "none",
      disableGit: true,
      sourceLinkTemplate: "https://github.com/siglume-middleware/siglume-middleware/blob/main/{path}#L{line}",
      out,
      cleanOutputDir: true,
      // A symbol counts as ours by the package.json nearest its declaration: every publishable package.
      requiredToBeDocumented: [
        "Enum",
        "EnumMember",
        "Variable",
        "Function",
        "Class",
        "Interface",
        "Method",
        "Accessor",
        "TypeAlias",
      ],
      packagesRequiringDocumentation: [...new Set(entries.map((entry) => entry.pkg.name))],
      validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
      treatWarningsAsErrors: true,
      treatValidationWarningsAsErrors: true,
      logLevel: LogLevel.Warn,
    },
    [],
  );

  // Each module is named by its import specifier, and says the package's description when it has no comment.
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const entry = file && bySource.get(join(file));
    if (!entry) return;
    reflection.name = entry.specifier;
    if (!reflection.comment && entry.specifier === entry.pkg.name && entry.pkg.manifest.description) {
      reflection.comment = new Comment([{ kind: "text", text: entry.pkg.manifest.description }]);
    }
  });

  const project = await app.convert();
  if (project) app.validate(project);
  if (project) undocumentedMembers(project, new Set(entries.map((entry) => entry.pkg.name)), app.logger);
  const failed = !project || app.logger.hasErrors() || app.logger.hasWarnings();
  if (!failed && !check) await app.generateDocs(project, out);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failed || app.logger.hasErrors()) {
    console.error(
      `\nAPI reference: failed after ${seconds} s (${entries.length} entry points). Every export of a published ` +
        "entry point needs a TSDoc comment (/** … */), and so does each of its properties, methods and enum members.",
    );
    process.exitCode = 1;
    return;
  }
  console.log(
    check
      ? `API reference: ${entries.length} entry points documented (${seconds} s).`
      : `API reference: ${entries.length} entry points, written to ${relative(root, out)}/index.html (${seconds} s).`,
  );
}

await main();
