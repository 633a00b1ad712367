// Secrets and paths the runtime smoke app and its tests share. Test values only.
export const SIGLUME_SECRET = "whsec_runtime_smoke";
export const ADYEN_HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
export const ADYEN_BASIC_AUTH = { username: "adyen-smoke", password: "smoke-password" };
export const POMELO_API_KEY = "pk_runtime_smoke";
export const POMELO_API_SECRET = "cnVudGltZS1zbW9rZS1wb21lbG8tc2VjcmV0LTAxMjM="; // base64, 32 bytes
export const CLEARTX_SECRET = "cleartx-runtime-smoke";
export const CLEARTX_SIGNATURE_HEADER = "x-test-signature";
export const STANDARD_WEBHOOK_SECRET = "whsec_cnVudGltZS1zbW9rZS1zdGFuZGFyZC1zZWNyZXQ="; // 30 bytes

/** Where the app keeps its idempotency records: in memory, or a shared PostgreSQL or Redis. */
export type SmokeStore = { kind: "memory" } | { kind: "postgres"; url: string } | { kind: "redis"; url: string };
