/**
 * A recovery's compensations (a saga): each disruptive step that must be undone if the recovery
 * cannot finish registers its undo; a step that is undone or handed over another way discharges
 * it. On escalation the registered undos run, newest first.
 */
export class Compensations {
  private readonly undos: { name: string; undo: () => Promise<void> }[] = [];

  /** Registers the undo of step `name` (replacing an earlier one of the same name). */
  push(name: string, undo: () => Promise<void>): void {
    this.discharge(name);
    this.undos.push({ name, undo });
  }

  /** Step `name` no longer needs undoing (undone, or handed over). */
  discharge(name: string): void {
    const index = this.undos.findIndex((u) => u.name === name);
    if (index >= 0) this.undos.splice(index, 1);
  }

  has(name: string): boolean {
    return this.undos.some((u) => u.name === name);
  }

  /** Runs every registered undo, newest first; each is discharged before it runs. */
  async run(): Promise<void> {
    for (let next = this.undos.pop(); next; next = this.undos.pop()) await next.undo();
  }
}
