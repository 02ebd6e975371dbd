// Tsunagu browse pixel: tells the app which products a logged-in customer looked at, so a
// customer linked to LINE who did not buy can get one reminder later (browse abandonment).
// Only product_viewed, only for a logged-in customer, only ids and a time: no names, no
// e-mail, no page contents. Nothing is sent for guests. The app decides everything else
// (linked or not, rate limits, once per product per 30 days); a failed report is dropped.
import {register} from "@shopify/web-pixels-extension";

export function productViewedBody(init, event) {
  const customer = init && init.data && init.data.customer;
  const shop = init && init.data && init.data.shop;
  const variant = event && event.data && event.data.productVariant;
  if (!customer || !customer.id || !shop || !shop.myshopifyDomain || !variant || !variant.product) {
    return null;
  }
  return {
    shop: shop.myshopifyDomain,
    customer_id: String(customer.id),
    product_id: String(variant.product.id),
    variant_id: variant.id ? String(variant.id) : null,
    timestamp: event.timestamp,
  };
}

register(({analytics, init, settings}) => {
  analytics.subscribe("product_viewed", (event) => {
    const body = productViewedBody(init, event);
    if (!body || !settings.endpoint) return;
    // text/plain keeps it a simple request (no CORS preflight); the app reads the JSON body.
    fetch(settings.endpoint, {
      method: "POST",
      body: JSON.stringify(body),
      headers: {"Content-Type": "text/plain"},
      keepalive: true,
    }).catch(() => {});
  });
});
