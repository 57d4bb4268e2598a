// The server's JSON shapes, from its contract docs/openapi.yaml. `npm run api-types` (run first by
// `npm run typecheck`, `npm run build` and `npm test`) writes src/generated/api.ts from it; that
// file is not kept in git. The *_api.ts modules name these shapes for the rest of the app, so a
// change of the contract that the app does not follow fails the type check. Only types come from
// there: nothing of it is in the bundle.
import type { components, paths } from './generated/api';

export type Schemas = components['schemas'];

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type ResponsesOf<Op> = Op extends { responses: infer R } ? R : never;

// The JSON body of a route's answer with `status` (200 unless told).
export type Answer<P extends keyof paths, M extends Method, Status extends number = 200> = JsonOf<
  ResponsesOf<paths[P][M]>[Status & keyof ResponsesOf<paths[P][M]>]
>;

// The JSON body a route takes.
export type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: infer B;
}
  ? JsonOf<NonNullable<B>>
  : never;
