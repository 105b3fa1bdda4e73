// `server-only` throws outside Next's server bundles; tests that import the web app's server
// modules (routes, the proxy) load this instead.
export {};
