// Every endpoint of the read API, in the order the OpenAPI document lists them. An endpoint is a
// declaration in a file of its own here (console/endpoint.ts says what one states).
import type { AnyEndpoint } from '../endpoint.ts';

export const endpoints: readonly AnyEndpoint[] = [];
