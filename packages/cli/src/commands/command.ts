import type { ParseArgsConfig } from "node:util";

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** Lines after the usage in `<command> --help`. */
  details?: string[];
  options: NonNullable<ParseArgsConfig["options"]>;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }): Promise<number>;
}
