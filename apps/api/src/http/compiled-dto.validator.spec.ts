import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate } from 'class-validator';
import { COMMANDS } from '../commands/command.catalogue';
import { IngestMessageDto } from '../ingest/ingest.dto';
import { compiledDto } from './compiled-dto.validator';
import { validatedObject } from './validation';

const OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

const DTOS: (new () => object)[] = [
  IngestMessageDto,
  ...new Set(Object.values(COMMANDS).map((definition) => definition.body as new () => object)),
];

/** Values a field may be given: valid ones of many kinds of rule, and hostile ones. */
const COMMON: unknown[] = [
  'Grace Hopper',
  '  ',
  '',
  'x'.repeat(201),
  'grace@example.com',
  'not an email',
  '+44 20 7946 0958',
  'EUR',
  'eur',
  'XXX',
  '2021-01-03T09:00:00.000Z',
  '2026-01-02T08:00:00-05:00',
  '2021-01-03',
  '0f9397ab-a784-4410-8825-10d544c9e4e8',
  'legacy-crm',
  '0/lead',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  0,
  1,
  -1,
  2.5,
  1000,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  {},
  { amount: 10, currency: 'EUR' },
  { nested: { deeper: [1, 'a', null] } },
  [],
  ['0f9397ab-a784-4410-8825-10d544c9e4e8'],
  [1, 2],
];

/** The values IsIn allows for a property (so that more bodies are valid). */
function allowedValues(dto: new () => object, property: string): unknown[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', false, false, undefined)
    .filter((m) => m.propertyName === property && Array.isArray(m.constraints?.[0]))
    .flatMap((m) => m.constraints[0] as unknown[]);
}

/** Per property, the candidate values class-validator accepts there. */
async function goodValues(dto: new () => object, properties: string[]) {
  const good = new Map<string, unknown[]>();
  for (const property of properties) {
    const accepted: unknown[] = [];
    for (const value of [...allowedValues(dto, property), ...COMMON]) {
      const errors = await validate(plainToInstance(dto, { [property]: value }), OPTIONS);
      if (!errors.some((e) => e.property === property)) accepted.push(value);
    }
    good.set(property, accepted);
  }
  return good;
}

async function bodies(dto: new () => object): Promise<fc.Arbitrary<Record<string, unknown>>> {
  const properties = [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', false, false, undefined)
        .map((m) => m.propertyName),
    ),
  ];
  const good = await goodValues(dto, properties);
  const field = (name: string) => {
    const accepted = good.get(name) ?? [];
    const any = fc.constantFrom(...allowedValues(dto, name), ...COMMON);
    return fc.option(
      accepted.length > 0
        ? fc.oneof({ arbitrary: fc.constantFrom(...accepted), weight: 6 }, any)
        : any,
      { nil: undefined, freq: 3 },
    );
  };
  return fc
    .tuple(
      fc.tuple(...properties.map(field)),
      fc.option(fc.constantFrom('unknown', 'toString', '__proto__', 'constructor', 'valueOf'), {
        nil: undefined,
        freq: 4,
      }),
    )
    .map(([values, extra]) => {
      const body: Record<string, unknown> = {};
      properties.forEach((name, i) => {
        if (values[i] !== undefined) body[name] = values[i];
      });
      if (extra !== undefined) Object.defineProperty(body, extra, { value: 'x', enumerable: true });
      return body;
    });
}

describe('compiled DTO validation', () => {
  it('compiles the ingest message and the command bodies without nested rules', () => {
    expect(compiledDto(IngestMessageDto)).toBeDefined();
    expect(compiledDto(COMMANDS.CreateLead.body as new () => object)).toBeDefined();
    // A nested DTO (@ValidateNested, @Type) stays with class-validator and class-transformer.
    expect(compiledDto(COMMANDS.PlanCampaign.body as new () => object)).toBeUndefined();
  });

  it.each(DTOS.map((dto) => [dto.name, dto] as const))(
    '%s: the same instance as plainToInstance, and valid exactly when class-validator finds nothing',
    async (_name, dto) => {
      const compiled = compiledDto(dto);
      if (!compiled) return;
      let valid = 0;
      await fc.assert(
        fc.asyncProperty(await bodies(dto), async (body) => {
          const expected = plainToInstance(dto, body);
          const instance = compiled.instantiate(body);
          expect(instance).toBeDefined();
          expect(Object.getPrototypeOf(instance)).toBe(dto.prototype);
          expect({ ...instance }).toEqual({ ...expected });
          const errors = await validate(expected, OPTIONS);
          expect(compiled.check(instance!)).toBe(errors.length === 0);
          if (errors.length === 0) valid++;
        }),
        { numRuns: 300 },
      );
      // Enough valid bodies were among them for the comparison to mean something.
      expect(valid).toBeGreaterThan(10);
    },
  );

  it('answers an invalid body with class-validator’s errors, listing every field', async () => {
    await expect(
      validatedObject(
        COMMANDS.CreateLead.body,
        { name: ' ', source: 'web', email: 'nope', extra: 1 },
        { what: 'request' },
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      details: {
        fields: expect.arrayContaining([
          expect.objectContaining({ field: 'name' }),
          expect.objectContaining({ field: 'email' }),
          expect.objectContaining({
            field: 'extra',
            problems: ['property extra should not exist'],
          }),
        ]),
      },
    });
  });
});
