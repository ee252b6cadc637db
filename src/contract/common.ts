import { type Static, type TObject, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** Every id of the API is a UUID (GPCN convention). */
export const Uuid = (description?: string) => Type.String({ format: 'uuid', ...(description ? { description } : {}) });

/** RFC 3339 date-time, as GPCN's models declare their timestamps. */
export const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

type Scalar = 'string' | 'number' | 'integer' | 'boolean';

/**
 * A scalar that may be null, written as `type: [T, "null"]`: native OpenAPI 3.1, one clear validation
 * message, and fast-json-stringify keeps `null` as `null` (it would print "" for a plain string).
 * Objects use `NullableObject` because a type array cannot carry their properties' nullability.
 */
export function Nullable<T extends TSchema & { type: Scalar }>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

export function NullableObject<T extends TSchema>(schema: T, description?: string) {
  return Type.Union([schema, Type.Null()], description ? { description } : {});
}

/** A string enum as plain `enum` (not anyOf of literals): readable errors and documentation. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export function IntegerEnum<const T extends readonly number[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'integer', enum: [...values], ...options });
}

/**
 * Reference to a model registered with `app.addSchema` (it becomes `components.schemas.<$id>` in the
 * OpenAPI document) while keeping the model's static type for handlers.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** Request bodies: unknown fields are refused (400 naming the field), never silently dropped. */
export function Body<T extends Record<string, TSchema>>(properties: T, options: { description?: string } = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const MoneySchema = Type.Object(
  {
    amount: Type.Number({ description: "Amount in the currency's major unit (e.g. dollars)" }),
    currency: Type.String({ description: 'ISO 4217, lower case (`usd`, `eur`)' }),
  },
  { description: 'An amount of money; per hour where used as a price.' },
);
export type Money = Static<typeof MoneySchema>;

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String({ description: 'Machine-readable code clients match on, e.g. `VALIDATION_ERROR`' }),
    message: Type.String({ description: 'Human-readable explanation' }),
    details: Type.Optional(Type.Unknown({ description: 'Extra machine-readable detail, when there is any' })),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);
export type ErrorBodyType = Static<typeof ErrorBody>;

export const PageMetaSchema = Type.Object(
  {
    total: Type.Integer(),
    page: Type.Integer(),
    pageSize: Type.Integer(),
    totalPages: Type.Integer(),
    hasNextPage: Type.Boolean(),
    hasPreviousPage: Type.Boolean(),
  },
  { $id: 'PageMeta' },
);
export type PageMeta = Static<typeof PageMetaSchema>;

/** `{success: true, message, data, meta: null}` around a single object (or a non-paginated list). */
export function Envelope<T extends TSchema>(data: T, description = 'Success') {
  return Type.Object({ success: Type.Literal(true), message: Type.String(), data, meta: Type.Null() }, { description });
}

export const Created = <T extends TSchema>(data: T) => Envelope(data, 'Created');
export const Accepted = <T extends TSchema>(data: T) =>
  Envelope(data, 'Accepted: the job has started; poll it with POST /v1/resource/jobs');

/** `{success: true, message, data: [...], meta: PageMeta}` around one page of a list. */
export function PagedEnvelope<T extends TSchema>(item: T, description = 'One page of the list') {
  return Type.Object(
    { success: Type.Literal(true), message: Type.String(), data: Type.Array(item), meta: ref(PageMetaSchema) },
    { description },
  );
}

export const LIST_DEFAULTS = { page: 1, limit: 10, sort: 'createdAt:desc' } as const;

/** Far past any real list, yet small enough that `(page - 1) × limit` stays an exact offset for every database. */
export const MAX_PAGE = 1_000_000;

/** GPCN list conventions. Defaults are filled in by validation (and documented as such, not as required). `sort` is checked against each endpoint's sortable fields by the route. */
export function ListQuery<T extends Record<string, TSchema>>(sortable: readonly string[], extra: T) {
  return Type.Object(
    {
      page: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_PAGE,
          default: LIST_DEFAULTS.page,
          description: '1-based page number, at most 1,000,000',
        }),
      ),
      limit: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 100, default: LIST_DEFAULTS.limit, description: 'Items per page, 1–100' }),
      ),
      sort: Type.Optional(
        Type.String({
          default: LIST_DEFAULTS.sort,
          maxLength: 200,
          description: `\`field:asc|desc\`, comma-separated for several columns. Sortable: ${sortable.join(', ')}`,
        }),
      ),
      search: Type.Optional(Type.String({ maxLength: 200, description: 'Free text matched against the name' })),
      ...extra,
    },
    { additionalProperties: false },
  );
}

export const DeletedEnvelope = Envelope(Type.Null());
