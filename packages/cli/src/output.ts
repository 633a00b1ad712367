const useColour = process.stdout.isTTY === true && !("NO_COLOR" in process.env);

function paint(code: number): (text: string) => string {
  return (text) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);

export function statusColour(status: number): (text: string) => string {
  if (status >= 200 && status < 300) return green;
  if (status === 409 || status === 429 || status === 503) return yellow;
  return red;
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
