/** A request URL's path: the URL without its query. */
export function pathWithoutQuery(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** Exact match, tolerating one trailing slash (as Express and Koa routers do by default). */
export function matchesWebhookPath(configured: string, requestPath: string): boolean {
  return (
    requestPath === configured ||
    (requestPath.length === configured.length + 1 && requestPath.endsWith("/") && requestPath.startsWith(configured))
  );
}
