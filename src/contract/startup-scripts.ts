import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, ListQuery, Uuid } from './common.ts';

export const STARTUP_SCRIPT_SORTABLE = ['createdAt', 'updatedAt', 'name'] as const;

export const StartupScriptSchema = Type.Object(
  {
    id: Uuid(),
    entityId: Uuid(),
    name: Type.String(),
    script: Type.String({ description: 'Shell script run once, as root, at a VM’s first boot' }),
    sizeBytes: Type.Integer(),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'StartupScript' },
);
/** A shell script from the startup-script library, run once at a VM's first boot. */
export type StartupScript = Static<typeof StartupScriptSchema>;

const ScriptName = Type.String({ minLength: 1, maxLength: 100 });
const ScriptText = Type.String({
  minLength: 1,
  maxLength: 65536,
  description: 'Up to 64 KiB; a script without `#!` runs under bash. Providers may take less (the order says so)',
});

export const CreateStartupScriptBody = Body({ name: ScriptName, script: ScriptText });
export type StartupScriptCreateInput = Static<typeof CreateStartupScriptBody>;
export const UpdateStartupScriptBody = Body({ name: Type.Optional(ScriptName), script: Type.Optional(ScriptText) });
export type StartupScriptUpdateInput = Static<typeof UpdateStartupScriptBody>;
export const StartupScriptListQuery = ListQuery(STARTUP_SCRIPT_SORTABLE, {});
