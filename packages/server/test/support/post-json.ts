/** What {@link postJson} got back: the status, and the JSON body (undefined when empty). */
export interface JsonAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/**
 * POSTs `body` as JSON to a server listening on the network (a `tessera
 * serve` process, say), as any client would.
 *
 * @example
 * ```ts
 * const { status, body } = await postJson(server.baseUrl, '/api/token/', { username, password });
 * ```
 */
export async function postJson(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}
