// Which episode is running. Ids are unique across restarts (counter + start time), so a
// subscriber can tell a new episode from a repeated instruction text.

export interface Episode {
  readonly id: string;
  readonly text: string;
  readonly startedAt: number;
  ended: boolean;
}

export class EpisodeLog {
  private counter = 0;
  private episode: Episode | undefined;

  get current(): Episode | undefined {
    return this.episode;
  }

  begin(text: string, requestedId: string, now: number): Episode {
    this.counter++;
    const id = requestedId.trim() !== '' ? requestedId.trim() : `ep${this.counter}-${Math.round(now * 1000)}`;
    this.episode = { id, text: text.trim(), startedAt: now, ended: false };
    return this.episode;
  }

  end(): void {
    if (this.episode !== undefined) this.episode.ended = true;
  }
}
