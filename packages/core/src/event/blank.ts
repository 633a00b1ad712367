/**
 * Whether `text` is empty or only white space: what `text.trim() === ""` says, without scanning (and copying) the
 * whole string when its first character is printable ASCII, as it is for every id, type and field value a sender
 * sends in practice. Checked several times per delivery.
 */
export function isBlank(text: string): boolean {
  const first = text.charCodeAt(0); // NaN when empty
  if (first > 32 && first < 127) return false;
  return text.trim() === "";
}
