import 'reflect-metadata';
import { IsInt, IsString, MetadataStorage, registerDecorator, validate } from 'class-validator';
import { resolveValidationMetadataOnce } from './validation-metadata.cache';

describe('validation rules resolved once per class', () => {
  it('resolves a class once, then hands back the same rules', () => {
    const storage = new MetadataStorage();
    const resolve = jest.spyOn(storage, 'getTargetValidationMetadatas');
    const cache = resolveValidationMetadataOnce(storage);
    class Body {}
    const first = storage.getTargetValidationMetadatas(Body, '', false, false);
    const second = storage.getTargetValidationMetadatas(Body, '', false, false);
    expect(second).toBe(first);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(cache.resolved()).toBe(1);
    // Grouping by property is also done once for those rules.
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(second));
  });

  it('validates as class-validator does: every rule, inherited ones included', async () => {
    resolveValidationMetadataOnce();
    class Base {
      @IsString() name!: unknown;
    }
    class Derived extends Base {
      @IsInt() amount!: unknown;
    }
    for (let i = 0; i < 3; i++) {
      const errors = await validate(Object.assign(new Derived(), { name: 1, amount: 'x' }));
      expect(errors.map((e) => [e.property, Object.keys(e.constraints ?? {})])).toEqual([
        ['amount', ['isInt']],
        ['name', ['isString']],
      ]);
    }
  });

  it('applies a rule added after the class was first validated', async () => {
    resolveValidationMetadataOnce();
    class Late {
      @IsString() name!: unknown;
    }
    expect(await validate(Object.assign(new Late(), { name: 'ok' }))).toEqual([]);
    registerDecorator({
      name: 'notOk',
      target: Late,
      propertyName: 'name',
      validator: { validate: (value: unknown) => value !== 'ok' },
    });
    const errors = await validate(Object.assign(new Late(), { name: 'ok' }));
    expect(errors.flatMap((e) => Object.keys(e.constraints ?? {}))).toEqual(['notOk']);
  });
});
