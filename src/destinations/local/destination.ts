/**
 * The `local` destination: the output directory itself, `<root>/<project>/<set-id>/` with the
 * project's object area at `<root>/<project>/objects/`. A set written there by the run is already
 * stored; a set from elsewhere is copied in (backup.json last).
 */
import { copyFile, cp, link, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { SET_MARKER, isSetId } from '../../catalog/naming.js';
import { RestoreError, StorageError, UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ObjectArea } from '../../storage/area.js';
import { OBJECTS_DIR } from '../../storage/incremental.js';
import { collectLocalObjects } from '../../storage/object-gc.js';
import { findSetDirs } from '../../set/verify-set.js';
import {
  listedFromMarker,
  type Destination,
  type ListedSet,
  type OpenedSet,
  type RemoveReport,
  type StoreResult,
} from '../destination.js';
import type { FinishedSet } from '../types.js';

export class LocalDestination implements Destination<'local'> {
  readonly name = 'local' as const;
  readonly catalogued = true;
  readonly where: string;

  constructor(
    readonly root: string,
    private readonly logger: Logger,
  ) {
    this.where = root;
  }

  async store(sets: FinishedSet[]): Promise<StoreResult<'local'>[]> {
    const out: StoreResult<'local'>[] = [];
    for (const set of sets) {
      try {
        const to = join(this.root, set.project, set.setId);
        if (resolve(set.dir) !== resolve(to)) await this.copyIn(set, to);
        out.push({ project: set.project, ok: true, record: null });
      } catch (err) {
        out.push({ project: set.project, ok: false, error: err });
      }
    }
    return out;
  }

  private async copyIn(set: FinishedSet, to: string): Promise<void> {
    if (await stat(join(to, SET_MARKER)).catch(() => null))
      throw new StorageError(`${to} already holds a set`);
    await mkdir(to, { recursive: true });
    for (const name of (await readdir(set.dir)).sort())
      if (name !== SET_MARKER) await cp(join(set.dir, name), join(to, name), { recursive: true });
    if (set.objects) {
      const areaDir = join(this.root, set.project, OBJECTS_DIR);
      const area = new ObjectArea(set.objects.area);
      for (const name of set.objects.names)
        for (const file of await area.files(name)) {
          const dest = join(areaDir, relative(set.objects.area, file));
          if (await stat(dest).catch(() => null)) continue;
          await mkdir(join(dest, '..'), { recursive: true });
          await link(file, dest).catch(() => copyFile(file, dest));
        }
    }
    await copyFile(join(set.dir, SET_MARKER), join(to, SET_MARKER));
  }

  async list(project: string): Promise<ListedSet[]> {
    const dirs = await findSetDirs(join(this.root, project)).catch(() => [] as string[]);
    const sets: ListedSet[] = [];
    for (const dir of dirs) {
      const setId = basename(dir);
      if (!isSetId(setId)) continue;
      const text = await readFile(join(dir, SET_MARKER), 'utf8').catch(() => null);
      sets.push(listedFromMarker(project, setId, text));
    }
    return sets;
  }

  async open(project: string, setId?: string): Promise<OpenedSet> {
    const id = setId ?? (await this.list(project)).filter((s) => s.status === 'ok').pop()?.setId;
    if (id === undefined)
      throw new RestoreError(`${join(this.root, project)}: no complete set; nothing was changed`);
    if (!isSetId(id)) throw new UsageError(`not a set id: ${JSON.stringify(id)}`);
    const dir = join(this.root, project, id);
    if (!(await stat(join(dir, SET_MARKER)).catch(() => null)))
      throw new RestoreError(`${dir}: no such set (no ${SET_MARKER}); nothing was changed`);
    return { dir, label: dir, cleanup: async () => undefined };
  }

  async remove(project: string, setIds: string[]): Promise<RemoveReport> {
    for (const id of setIds) {
      if (!isSetId(id)) throw new UsageError(`not a set id: ${JSON.stringify(id)}`);
      // backup.json first: an interrupted removal leaves an incomplete set, never a wrong one.
      await rm(join(this.root, project, id, SET_MARKER), { force: true });
      await rm(join(this.root, project, id), { recursive: true, force: true });
    }
    // Storage objects only the removed sets referenced go with them.
    if (setIds.length > 0) await collectLocalObjects(join(this.root, project), this.logger);
    return { removed: [...setIds], retained: [] };
  }
}
