import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type Grouped = Record<string, ValidationMetadata[]>;

const installed = new WeakSet<MetadataStorage>();

/**
 * class-validator resolves a class's rules on every validate(): it filters the class's
 * metadata and walks every decorated class in the process to find its ancestors, then groups
 * the result by property. The rules of a class are fixed once its module is loaded, so this
 * resolves them once per class (for validation without groups, the only kind used here) and
 * hands the same arrays back; adding any rule (a class decorated later) forgets them all.
 * The rules applied and the errors produced are class-validator's own.
 */
export function resolveValidationMetadataOnce(storage: MetadataStorage = getMetadataStorage()): {
  resolved: () => number;
} {
  const byTarget = new Map<unknown, ValidationMetadata[]>();
  const grouped = new WeakMap<ValidationMetadata[], Grouped>();
  const result = { resolved: () => byTarget.size };
  if (installed.has(storage)) return result;
  installed.add(storage);

  const resolve = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  const addSchema = storage.addValidationSchema.bind(storage);
  const forget = () => byTarget.clear();

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema || (groups && groups.length > 0) || always || strictGroups) {
      return resolve(target, schema, always, strictGroups, groups);
    }
    let metadatas = byTarget.get(target);
    if (!metadatas) {
      metadatas = resolve(target, schema, always, strictGroups, groups);
      byTarget.set(target, metadatas);
    }
    return metadatas;
  };
  storage.groupByPropertyName = (metadatas) => {
    let byProperty = grouped.get(metadatas);
    if (!byProperty) {
      byProperty = group(metadatas);
      grouped.set(metadatas, byProperty);
    }
    return byProperty;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    add(metadata);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addSchema(schema);
  };
  return result;
}
