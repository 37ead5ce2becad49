// The storefront's main flow through @beeget/client against a running server:
// BEEGET_BASE_URL (e.g. http://127.0.0.1:8080) and BEEGET_OUTBOX_DIR (the server's
// email.outbox_dir, where the outbox mailer writes one .eml file per message).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { createBeegetClient, ProblemError, unwrap, type Schemas } from "../src/index.js";

const baseUrl = process.env.BEEGET_BASE_URL;
const outboxDir = process.env.BEEGET_OUTBOX_DIR;
if (!baseUrl || !outboxDir) throw new Error("set BEEGET_BASE_URL and BEEGET_OUTBOX_DIR");

/** The promotion code of the seeded "20% Off Summer Linen" (seeds/promotions.json). */
const PROMO_CODE = "SUMMER20";
const PROMO_COLLECTION = "summer-linen";

/** Decodes quoted-printable text (soft line breaks and `=XX` escapes). */
function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** Waits for the verification mail to `email` in the outbox and returns the link's token. */
async function verificationToken(email: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const names = (await readdir(outboxDir!).catch(() => [] as string[])).filter((n) => n.endsWith(".eml"));
    for (const name of names) {
      const raw = await readFile(join(outboxDir!, name), "utf8");
      if (!new RegExp(`^To: .*${email.replace(/[.+]/g, "\\$&")}`, "mi").test(raw)) continue;
      const match = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(decodeQuotedPrintable(raw));
      if (match?.[1]) return match[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no verification email to ${email} in ${outboxDir}`);
}

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ProblemError, `expected a ProblemError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the request to fail");
}

describe("storefront flow through @beeget/client", () => {
  const session: { access?: string; refresh?: string } = {};
  const api = createBeegetClient({ baseUrl, getAccessToken: () => session.access });
  const email = `ts-client-${Date.now()}-${randomUUID().slice(0, 8)}@example.com`;
  const password = "Linen-and-Wool-2026!";
  let userId = "";
  let product: Schemas["Product"] | undefined;
  let variant: Schemas["Variant"] | undefined;
  let cart: Schemas["Cart"] | undefined;
  let order: Schemas["Order"] | undefined;

  before(() => {
    assert.ok(baseUrl);
  });

  it("registers a new shopper, unverified", async () => {
    const user = unwrap(await api.POST("/auth/register", { body: { email, name: "TS Client", password } }));
    assert.equal(user.email, email);
    assert.equal(user.emailVerified, false);
    assert.equal(user.role, "user");
    userId = user.id;
    const again = await problemOf(
      api.POST("/auth/register", { body: { email, name: "TS Client", password } }).then(unwrap),
    );
    assert.equal(again.status, 409);
    assert.equal(again.code, "email_taken");
  });

  it("verifies the email with the token from the outbox", async () => {
    const token = await verificationToken(email);
    assert.ok(token.length >= 16, `token ${token}`);
    const result = await api.POST("/auth/verify-email", { body: { token } });
    assert.equal(result.response.status, 204);
    unwrap(result);
  });

  it("logs in and sees the verified account", async () => {
    const wrong = await problemOf(api.POST("/auth/login", { body: { email, password: "not-it" } }).then(unwrap));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.code, "invalid_credentials");
    const pair = unwrap(await api.POST("/auth/login", { body: { email, password } }));
    assert.equal(pair.tokenType, "Bearer");
    assert.ok(pair.expiresIn > 0);
    session.access = pair.accessToken;
    session.refresh = pair.refreshToken;
    const me = unwrap(await api.GET("/users/me"));
    assert.equal(me.id, userId);
    assert.equal(me.emailVerified, true);
  });

  it("refreshes: the new pair works and the old refresh token is refused", async () => {
    const old = session.refresh!;
    const pair = unwrap(await api.POST("/auth/refresh", { body: { refreshToken: old } }));
    assert.notEqual(pair.refreshToken, old);
    session.access = pair.accessToken;
    session.refresh = pair.refreshToken;
    assert.equal(unwrap(await api.GET("/users/me")).id, userId);
    const reused = await problemOf(api.POST("/auth/refresh", { body: { refreshToken: old } }).then(unwrap));
    assert.equal(reused.status, 401);
    // Reuse of a spent refresh token reads as theft: the whole session is revoked, the new
    // pair included, so the shopper logs in again.
    const revoked = await problemOf(api.GET("/users/me").then(unwrap));
    assert.equal(revoked.status, 401);
    const stale = await problemOf(api.POST("/auth/refresh", { body: { refreshToken: pair.refreshToken } }).then(unwrap));
    assert.equal(stale.status, 401);
    const again = unwrap(await api.POST("/auth/login", { body: { email, password } }));
    session.access = again.accessToken;
    session.refresh = again.refreshToken;
    assert.equal(unwrap(await api.GET("/users/me")).id, userId);
    // A bad token through the middleware is a typed 401 too.
    const anonymous = createBeegetClient({ baseUrl, accessToken: "not-a-jwt" });
    const refused = await problemOf(anonymous.GET("/users/me").then(unwrap));
    assert.equal(refused.status, 401);
    assert.ok(refused.requestId, "a problem carries the request id");
  });

  it("browses with filters: in stock, one collection, cheapest first", async () => {
    const page = unwrap(
      await api.GET("/products", {
        params: { query: { collection: PROMO_COLLECTION, inStock: true, sort: "price_asc", limit: 50 } },
      }),
    );
    assert.ok(page.total > 0 && page.items.length > 0);
    assert.equal(page.page, 1);
    assert.equal(page.limit, 50);
    for (const item of page.items) {
      assert.equal(item.inStock, true, `${item.slug} is in stock`);
      assert.ok(Number.isInteger(item.calculatedPrice) && item.calculatedPrice > 0);
    }
    const prices = page.items.map((i) => i.calculatedPrice);
    assert.deepEqual(prices, [...prices].sort((a, b) => a - b), "sorted by price ascending");
    const soldOut = unwrap(
      await api.GET("/products", { params: { query: { collection: PROMO_COLLECTION, inStock: false } } }),
    );
    assert.ok(soldOut.items.every((i) => !i.inStock));
    assert.equal(soldOut.total + page.total, unwrap(await api.GET("/products", {
      params: { query: { collection: PROMO_COLLECTION } },
    })).total);

    for (const item of page.items) {
      const detail = unwrap(await api.GET("/products/{slug}", { params: { path: { slug: item.slug } } }));
      assert.equal(detail.slug, item.slug);
      assert.ok(detail.collections.some((c) => c.slug === PROMO_COLLECTION), `${item.slug} is in the collection`);
      const inStock = detail.variants.find((v) => v.inStock && v.inventoryCount >= 1);
      if (inStock) {
        product = detail;
        variant = inStock;
        break;
      }
    }
    assert.ok(product && variant, "an in-stock variant in the collection");
    const missing = await problemOf(
      api.GET("/products/{slug}", { params: { path: { slug: "no-such-product-ts" } } }).then(unwrap),
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.code, "not_found");
  });

  it("adds the variant to the cart", async () => {
    cart = unwrap(await api.POST("/cart", { body: { productId: product!.id, variantId: variant!.id, qty: 2 } }));
    assert.equal(cart.items.length, 1);
    const line = cart.items[0]!;
    assert.equal(line.qty, 2);
    assert.equal(line.variant?.id, variant!.id);
    assert.equal(cart.subtotal, line.lineTotal);
    assert.equal(cart.currency, product!.currency);
    assert.equal(cart.promoCode, undefined);
  });

  it("applies a seeded promotion code for a non-zero discount", async () => {
    const before = cart!;
    const bad = await problemOf(api.PUT("/cart/promo-code", { body: { code: "NO-SUCH-CODE" } }).then(unwrap));
    assert.equal(bad.status, 422);
    cart = unwrap(await api.PUT("/cart/promo-code", { body: { code: PROMO_CODE } }));
    assert.equal(cart.promoCode, PROMO_CODE);
    assert.ok(cart.discountTotal > before.discountTotal, `discount ${before.discountTotal} -> ${cart.discountTotal}`);
    assert.ok(cart.total < before.total, `total ${before.total} -> ${cart.total}`);
    assert.equal(cart.total, cart.subtotal - cart.discountTotal + cart.shippingEstimate);
  });

  it("places an order with an Idempotency-Key; the repeat answers the same order", async () => {
    const key = randomUUID();
    const body = {
      paymentMethod: "pm_card_visa",
      shippingAddress: { line1: "1 Linen Lane", city: "Portland", state: "OR", zip: "97201", country: "US" as const },
    };
    const first = await api.POST("/orders", { params: { header: { "Idempotency-Key": key } }, body });
    assert.equal(first.response.status, 201);
    order = unwrap(first);
    assert.equal(order.totalAmount, cart!.total);
    assert.equal(order.discountTotal, cart!.discountTotal);
    assert.equal(order.promoCode, PROMO_CODE);
    assert.equal(order.items.length, 1);
    assert.equal(order.items[0]!.qty, 2);
    assert.equal(order.shippingAddress?.city, "Portland");
    assert.equal(order.paymentStatus, "succeeded");

    const repeat = unwrap(await api.POST("/orders", { params: { header: { "Idempotency-Key": key } }, body }));
    assert.equal(repeat.id, order.id);
    assert.equal(repeat.number, order.number);
    assert.equal(repeat.totalAmount, order.totalAmount);
    assert.equal(unwrap(await api.GET("/cart")).items.length, 0, "the cart is empty after checkout");
  });

  it("lists the order in GET /orders", async () => {
    const page = unwrap(await api.GET("/orders", { params: { query: { page: 1, limit: 20 } } }));
    assert.equal(page.total, 1, "exactly one order: the repeat made none");
    const summary = page.items.find((o) => o.id === order!.id);
    assert.ok(summary, "the order is listed");
    assert.equal(summary.number, order!.number);
    assert.equal(summary.totalAmount, order!.totalAmount);
    assert.equal(summary.itemCount, 2);
    assert.equal(summary.currency, order!.currency);
  });
});
