// Browse the catalogue and add the cheapest in-stock item to the cart.
// Run (after `npm run build`): BEEGET_BASE_URL=http://127.0.0.1:8080 BEEGET_ACCESS_TOKEN=… node dist/examples/storefront.js
import { createBeegetClient, ProblemError, unwrap } from "../src/index.js";

const api = createBeegetClient({
  baseUrl: process.env.BEEGET_BASE_URL ?? "http://127.0.0.1:8080",
  getAccessToken: () => process.env.BEEGET_ACCESS_TOKEN,
});

async function main(): Promise<void> {
  const page = unwrap(
    await api.GET("/products", { params: { query: { inStock: true, sort: "price_asc", limit: 5 } } }),
  );
  for (const p of page.items) {
    // Prices are integer minor units (cents).
    console.log(`${p.title}: ${(p.calculatedPrice / 100).toFixed(2)} ${p.currency}`);
  }
  const first = page.items[0];
  if (!first) return;
  const product = unwrap(await api.GET("/products/{slug}", { params: { path: { slug: first.slug } } }));
  const variant = product.variants.find((v) => v.inStock);
  try {
    const cart = unwrap(
      await api.POST("/cart", { body: { productId: product.id, variantId: variant?.id ?? null, qty: 1 } }),
    );
    console.log(`cart total: ${cart.total} ${cart.currency} (minor units)`);
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) console.log("log in first (BEEGET_ACCESS_TOKEN)");
    else throw e;
  }
}

await main();
