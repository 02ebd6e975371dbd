// Inside the Shopify admin, App Bridge draws the navigation: hide our own copy of it.
// Without App Bridge (demo, or Shopify's CDN unreachable) the page keeps its own nav.
(function () {
  if (window.shopify && window.shopify.config) {
    document.documentElement.classList.add("in-admin");
  }
})();
