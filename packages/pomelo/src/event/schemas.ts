import { z } from "zod";

// Pomelo has not published these payloads' field names: the schemas state the canonical shape this
// library recognises (snake_case, as Pomelo's other webhooks), open to any other field. The provider
// never rejects a signed event for its shape (see recogniseOtp / recogniseTokenEvent).

/** A tokenization OTP notification. */
export const pomeloOtpSchema = z.looseObject({
  event_id: z.string().optional(),
  idempotency_key: z.string().optional(),
  otp: z.string().optional(),
  method: z.string().optional(),
  recipient: z.string().optional(),
  card_id: z.string().optional(),
  user_id: z.string().optional(),
  token_origin: z.string().optional(),
});

/** A token lifecycle update. */
export const pomeloTokenEventSchema = z.looseObject({
  event_id: z.string().optional(),
  idempotency_key: z.string().optional(),
  token_id: z.string(),
  status: z.string(),
  card_id: z.string().optional(),
  user_id: z.string().optional(),
});
