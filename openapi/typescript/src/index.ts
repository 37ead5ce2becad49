/**
 * `@beeget/client`: a typed client for the Beeget fashion store API.
 *
 * The types in `schema.ts` are generated from the committed OpenAPI document
 * (`openapi/openapi.json`) with openapi-typescript (`npm run generate`); the runtime is
 * openapi-fetch. Conventions that hold for every call:
 *
 * - Money is an integer number of minor units (cents) of the store currency, and every
 *   response carrying prices carries `currency` (e.g. `price: 4900, currency: "USD"` is $49.00).
 * - Ids are opaque strings; timestamps are RFC 3339 UTC strings.
 * - Lists take `page` (1-based) and `limit` (1 to 100) and answer
 *   `{ items, page, limit, total }`.
 * - Errors are `application/problem+json` ({@link Problem}); {@link unwrap} throws them as
 *   {@link ProblemError}.
 *
 * @packageDocumentation
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** Every named schema of the API, e.g. `Schemas["Product"]`, `Schemas["Cart"]`. */
export type Schemas = components["schemas"];

/**
 * An API error body (RFC 9457 problem details), e.g.
 * `{ type, title: "Invalid request", status: 422, code: "validation_failed",
 *    detail: "email: not a valid address", errors: [{ field: "email", message: "…" }], requestId }`.
 */
export type Problem = Schemas["Problem"];

/** The client: openapi-fetch's `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, typed by the API's paths. */
export type BeegetClient = Client<paths>;

/** Options of {@link createBeegetClient}. */
export interface BeegetClientOptions {
  /** Where the API is mounted, e.g. `https://api.example.com` or `http://127.0.0.1:8080/api`. */
  baseUrl: string;
  /** A fixed access token sent as `Authorization: Bearer …` (valid 15 minutes by default). */
  accessToken?: string;
  /**
   * Called before every request for the current access token (e.g. after a refresh);
   * `undefined` sends no `Authorization` header. Takes precedence over `accessToken`.
   */
  getAccessToken?: () => string | undefined | Promise<string | undefined>;
  /** A `fetch` to use instead of the global one (tests, proxies). */
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * Creates a client for the Beeget API.
 *
 * ```ts
 * const api = createBeegetClient({ baseUrl: "http://127.0.0.1:8080", getAccessToken: () => session.accessToken });
 * const page = unwrap(await api.GET("/products", { params: { query: { sort: "price_asc", inStock: true } } }));
 * ```
 *
 * A request that already carries an `Authorization` header keeps it.
 */
export function createBeegetClient(options: BeegetClientOptions): BeegetClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const tokenOf =
    options.getAccessToken ?? (options.accessToken === undefined ? undefined : () => options.accessToken);
  if (tokenOf) {
    const auth: Middleware = {
      async onRequest({ request }) {
        if (request.headers.has("Authorization")) return undefined;
        const token = await tokenOf();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}

/**
 * An API error as an exception: the HTTP status, the stable `code` (e.g. `email_taken`,
 * `insufficient_stock`), field errors and the request id to quote when reporting it.
 */
export class ProblemError extends Error {
  /** HTTP status, e.g. `409`. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `validation_failed`; `unknown` when the body was not a problem. */
  readonly code: string;
  /** Field errors of a `422`, `[]` otherwise. */
  readonly errors: { field: string; message: string }[];
  /** The server's request id, when it sent one. */
  readonly requestId: string | undefined;
  /** The whole problem body as received. */
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.errors = problem.errors ?? [];
    this.requestId = problem.requestId;
    this.problem = problem;
  }
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Problem).status === "number" &&
    typeof (value as Problem).code === "string"
  );
}

/**
 * Turns an openapi-fetch result into its data, or throws a {@link ProblemError}:
 * `const cart = unwrap(await api.GET("/cart"))`. A body that is not a problem (e.g. from a
 * proxy) still throws, with `code: "unknown"` and the HTTP status. For `204` answers the
 * data is `undefined`.
 */
export function unwrap<D, E>(result: { data?: D; error?: E; response: Response }): D {
  const { data, error, response } = result;
  if (error === undefined && response.ok) return data as D;
  if (isProblem(error)) throw new ProblemError(error);
  throw new ProblemError({
    type: "about:blank",
    title: response.statusText || "Request failed",
    status: response.status,
    code: "unknown",
    errors: [],
    requestId: response.headers.get("x-request-id") ?? undefined,
    ...(error === undefined ? {} : { detail: typeof error === "string" ? error : JSON.stringify(error) }),
  });
}
