// White space at a string's ends, checked on every delivery (ids, types, fields, signature headers): the common case,
// printable ASCII at both ends, answers without `trim()` scanning and copying the string.

/** Printable ASCII other than the space: never white space. */
const printable = (code: number) => code > 32 && code < 127;

/** Whether `text` is empty or only white space: what `text.trim() === ""` says. */
export function isBlank(text: string): boolean {
  if (printable(text.charCodeAt(0))) return false; // NaN when empty
  return text.trim() === "";
}

/** `text.trim()`: `text` itself when both its ends are printable ASCII. */
export function trimmed(text: string): string {
  return printable(text.charCodeAt(0)) && printable(text.charCodeAt(text.length - 1)) ? text : text.trim();
}
