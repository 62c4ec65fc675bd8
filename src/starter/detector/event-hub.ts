/** The detector's listeners: each event reaches every listener; a failing listener is logged, never thrown. */
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import type { DetectorEvent } from './types';

export class EventHub {
  private readonly listeners = new Set<(event: DetectorEvent) => void>();

  constructor(private readonly logger: Logger) {}

  emit(event: DetectorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error('detector listener failed', { event: event.type, error: errorText(error) });
      }
    }
  }

  /** @returns unsubscribe. */
  subscribe(listener: (event: DetectorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
