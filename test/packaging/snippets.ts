// Every ```ts block of README.md, of every page under docs/ and of each publishable package's
// README.md, ready to be type-checked in the packaging test's apps. What a block needs beyond its own text comes from
// visible HTML comments right before it:
//
//   <!-- snippet: fragment -->                        not checked: deliberately a fragment
//   <!-- snippet: no-node-types -->                   also checked in the web app: no @types/node, lib ES2022 + DOM
//                                                     (for a Cloudflare Worker without nodejs_compat)
//   <!-- prelude: declare const rawBody: Buffer; -->   TypeScript added after the block (declarations)
//   <!-- prelude-file: app.ts = examples/express/src/app.ts -->   a repository file placed next to the block
//
// Anything else that starts with "<!-- snippet" or "<!-- prelude" is an error, not silently ignored.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, relative } from "node:path";
import { fromMarkdown } from "mdast-util-from-markdown";
import ts from "typescript";
import { publishablePackages, root } from "../../scripts/lib/packages.mjs";

export interface Snippet {
  /** "README.md:52": the markdown file and the line of the opening fence. */
  id: string;
  /** A file-name-safe form of the id. */
  slug: string;
  markdown: string;
  /** Line of the opening fence; the block's first line is fenceLine + 1. */
  fenceLine: number;
  code: string;
  prelude: string;
  /** Repository files copied next to the block, by the name the block imports them as. */
  preludeFiles: { name: string; from: string }[];
  /** Packages the block and its prelude import (node: built-ins left out). */
  packages: string[];
  /** Marked `<!-- snippet: no-node-types -->`: compiled in the web app too (no Node types). */
  noNodeTypes: boolean;
}

export interface Fragment {
  id: string;
}

const LANGUAGES = new Set(["ts", "typescript"]);

/** Every markdown file under docs/ (any depth), as repository paths, sorted: a new page is found without listing it. */
export function docsPages(): string[] {
  const entries = readdirSync(join(root, "docs"), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".md"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** The markdown files whose TypeScript blocks must compile: the root README, every docs/ page and every publishable package's README. */
export function markdownFiles(): string[] {
  const files = ["README.md", ...docsPages(), ...publishablePackages().map((pkg) => `${pkg.dir}/README.md`)];
  return files.filter((file) => existsSync(join(root, file))); // a missing package README fails the tarball test
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

export function importedPackages(code: string): string[] {
  const { importedFiles } = ts.preProcessFile(code, true, true);
  return [...new Set(importedFiles.map((file) => packageOf(file.fileName)).filter((name) => name !== undefined))].sort();
}

interface MdNode {
  type: string;
  value?: string;
  lang?: string | null;
  children?: MdNode[];
  position?: { start: { line: number } };
}

interface Marker {
  fragment?: true;
  noNodeTypes?: true;
  prelude?: string;
  preludeFile?: { name: string; from: string };
}

function parseMarker(comment: string, where: string): Marker | undefined {
  const body = comment.replace(/^<!--/, "").replace(/-->\s*$/, "").trim();
  if (!/^(snippet|prelude)/.test(body)) return undefined;
  if (/^snippet:\s*fragment$/.test(body)) return { fragment: true };
  if (/^snippet:\s*no-node-types$/.test(body)) return { noNodeTypes: true };
  const prelude = /^prelude:\s*([\s\S]*)$/.exec(body);
  if (prelude) return { prelude: prelude[1]!.trim() };
  const file = /^prelude-file:\s*(\S+)\s*=\s*(\S+)$/.exec(body);
  if (file) return { preludeFile: { name: file[1]!, from: file[2]! } };
  throw new Error(
    `${where}: unknown marker ${JSON.stringify(comment)}; expected <!-- snippet: fragment -->, <!-- snippet: no-node-types -->, ` +
      "<!-- prelude: TypeScript --> or <!-- prelude-file: name.ts = repository/path.ts -->",
  );
}

export function readmeSnippets(files = markdownFiles()): { snippets: Snippet[]; fragments: Fragment[] } {
  const snippets: Snippet[] = [];
  const fragments: Fragment[] = [];
  for (const markdown of files) {
    const tree = fromMarkdown(readFileSync(join(root, markdown), "utf8")) as MdNode;
    const visit = (node: MdNode) => {
      const children = node.children ?? [];
      children.forEach((child, index) => {
        visit(child);
        if (child.type !== "code" || !LANGUAGES.has(child.lang ?? "")) return;
        const fenceLine = child.position!.start.line;
        const id = `${markdown}:${fenceLine}`;
        // The HTML comments directly before the block (blank lines between are fine).
        const markers = [];
        for (let i = index - 1; i >= 0 && children[i]!.type === "html"; i--) {
          const marker = parseMarker(children[i]!.value ?? "", `${markdown}:${children[i]!.position!.start.line}`);
          if (marker) markers.unshift(marker);
        }
        if (markers.some((m) => m.fragment)) return void fragments.push({ id });
        const prelude = markers.flatMap((m) => (m.prelude ? [m.prelude] : [])).join("\n");
        const preludeFiles = markers.flatMap((m) => (m.preludeFile ? [m.preludeFile] : []));
        const code = child.value ?? "";
        const sources = [code, prelude, ...preludeFiles.map((file) => readFileSync(join(root, file.from), "utf8"))];
        snippets.push({
          id,
          slug: `${markdown.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-")}-L${fenceLine}`,
          markdown,
          fenceLine,
          code,
          prelude,
          preludeFiles,
          packages: importedPackages(sources.join("\n")),
          noNodeTypes: markers.some((m) => m.noNodeTypes),
        });
      });
    };
    visit(tree);
  }
  return { snippets, fragments };
}

/** The fenced blocks of one language in a markdown file, with the lines of their opening fences. */
export function codeBlocks(markdown: string, lang: string): { fenceLine: number; code: string }[] {
  const blocks: { fenceLine: number; code: string }[] = [];
  const visit = (node: MdNode): void => {
    if (node.type === "code" && node.lang === lang) blocks.push({ fenceLine: node.position!.start.line, code: node.value ?? "" });
    node.children?.forEach(visit);
  };
  visit(fromMarkdown(readFileSync(join(root, markdown), "utf8")) as MdNode);
  return blocks;
}
