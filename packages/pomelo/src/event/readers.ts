import type { WebhookLogger } from "@siglume-middleware/core";
import { POMELO_FIELD_READERS } from "./recognise.js";
import type { PomeloFieldReader, PomeloFieldReaders } from "./types.js";

/**
 * The `recognise` option, checked once at start-up: an object whose keys are among POMELO_FIELD_READERS, each a
 * function. Each reader is wrapped (once, here) so that a throw never fails a delivery: it is logged the
 * first time (POMELO_RECOGNISE_FAILED, the error's name only: never its message or the payload) and the field falls back to the
 * built-in reading. Undefined when the option is absent, so the recognisers pay nothing for it.
 */
export function fieldReaders(
  recognise: unknown,
  fail: (message: string) => never,
  logger: WebhookLogger,
  provider: string,
): PomeloFieldReaders | undefined {
  if (recognise === undefined) return undefined;
  if (typeof recognise !== "object" || recognise === null || Array.isArray(recognise)) {
    fail(`recognise must be an object of field readers (${POMELO_FIELD_READERS.join(", ")}), each (payload) => value.`);
  }
  const readers: PomeloFieldReaders = {};
  for (const [name, reader] of Object.entries(recognise)) {
    if (!(POMELO_FIELD_READERS as readonly string[]).includes(name)) {
      fail(`recognise.${name} is not a field this library reads; use one of ${POMELO_FIELD_READERS.join(", ")}.`);
    }
    if (reader === undefined) continue;
    if (typeof reader !== "function") fail(`recognise.${name} must be a function (payload) => value, got ${typeof reader}.`);
    readers[name as keyof PomeloFieldReaders] = guarded(name, reader as PomeloFieldReader, logger, provider);
  }
  return readers;
}

function guarded(name: string, reader: PomeloFieldReader, logger: WebhookLogger, provider: string): PomeloFieldReader {
  let logged = false;
  return (payload) => {
    try {
      return reader(payload);
    } catch (error) {
      if (!logged) {
        logged = true;
        // The error's name only: its message may quote the payload (JSON.parse's does), and so an OTP code.
        const kind = error instanceof Error ? error.name : typeof error;
        logger.error(
          `recognise.${name} threw (${kind}; its message is not logged, as it may quote the payload), so the built-in ` +
            "reading was used for that field. Logged once.",
          { provider, code: "POMELO_RECOGNISE_FAILED" },
        );
      }
      return undefined;
    }
  };
}
