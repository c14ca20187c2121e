/** Rules of the application store that both backends apply the same way (REST 4.1). */
import { type ApplicationRecord, StoreError } from './types.ts';

export type ApplicationPatch = Partial<Omit<ApplicationRecord, 'app_id' | 'created_at'>>;

/** The patch's defined fields over the record; app_id and created_at never change. */
export function applyPatch(cur: ApplicationRecord, patch: ApplicationPatch): ApplicationRecord {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return {
    ...structuredClone(cur),
    ...structuredClone(defined),
    app_id: cur.app_id,
    created_at: cur.created_at,
  };
}

/** Delete is refused while numbers are attached (the API answers 409). */
export function inUse(count: number): StoreError {
  return new StoreError('CONFLICT', `Application is currently in use by ${count} phone numbers`);
}

export function duplicateApp(appId: string): StoreError {
  return new StoreError('CONFLICT', `application ${appId} already exists`);
}

/** Attaching a number to an application that does not exist. */
export function noSuchApp(appId: string): StoreError {
  return new StoreError('NOT_FOUND', `application ${appId} not found`);
}
