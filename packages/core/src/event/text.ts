// Checks every delivery runs on header and field text (ids, types, fields, signature headers, timestamps, lengths),
// by character: the common case, printable ASCII, answers without a RegExp or `trim()` scanning and copying the text.

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

/** 1–15 ASCII digits (what `/^\d{1,15}$/` matches): a whole number `Number()` reads exactly. */
export function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}
