/**
 * The gateway inside the node: what Cloudflare AI Gateway, LiteLLM or Portkey do in front of a
 * model, in-process. API keys (stored hashed) and their scopes; token-aware rate limits (Bucket4j
 * token buckets); budgets priced from models.yaml; the usage and cost ledger; the exact response
 * cache (Caffeine); guardrails; tenants. The key is the tenant: for fair scheduling and for cache
 * isolation (prefix-cache reuse never crosses keys). State lives in {@code <data_dir>/gateway.db}
 * (SQLite), behind types a fleet store can implement later. The HTTP pipeline
 * ({@code server.http.GenerationPipeline}) calls the stages; nothing here knows Netty.
 */
package io.edgenode.server.gateway;
