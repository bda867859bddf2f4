/** A JSON object as parsed from a request or response body. */
export type JsonObject = { [key: string]: unknown };
