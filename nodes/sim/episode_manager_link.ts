// The sim's calls to the episode manager (set_instruction, end_episode), in order — an END must
// not overtake the next START — with retries for a manager that is not active yet: a launch may
// activate the sim first (record --launch, replay suites go in launch order), and the first
// episode must still get its instruction.

import { errorText } from '../error_text.js';
import type { RosNode } from '../ros/node.js';

/** A refused set_instruction is tried again this often [s], this many times (5 s in all). */
export const EM_RETRY_PERIOD = 0.25;
export const EM_RETRIES = 20;

type Reply = { success: boolean; message: string };

/** The part of a service client the link uses. */
export interface ManagerClient<Req> {
  readonly name: string;
  isServiceReady(): boolean;
  waitForService(timeoutSec: number): Promise<boolean>;
  call(request: Req, timeoutSec?: number): Promise<Reply>;
}

export class EpisodeManagerLink {
  private queue: Promise<void> = Promise.resolve();

  /** The link of `node` to the manager named `manager` (relative to its namespace); none for ''. */
  static forNode(node: RosNode, manager: string): EpisodeManagerLink | undefined {
    const em = manager.trim();
    if (em === '') return undefined;
    const sleep = (sec: number) =>
      new Promise<void>((resolve) => {
        const t = node.createTimer(sec, () => {
          t.cancel();
          resolve();
        });
      });
    return new EpisodeManagerLink(
      node.createClient('vla_ros_msgs/srv/SetInstruction', `${em}/set_instruction`),
      node.createClient('std_srvs/srv/SetBool', `${em}/end_episode`),
      sleep,
      (line) => node.logger.warn(line),
    );
  }

  constructor(
    private readonly setInstruction: ManagerClient<{ text: string; id: string }>,
    private readonly endEpisode: ManagerClient<{ data: boolean }>,
    /** Waits `sec` on the node's clock. */
    private readonly sleep: (sec: number) => Promise<void>,
    private readonly warn: (line: string) => void,
  ) {}

  announce(text: string, id: string): void {
    this.enqueue(`set_instruction "${text}"`, () => this.callReady(this.setInstruction, { text, id }), EM_RETRIES);
  }

  end(success: boolean): void {
    this.enqueue('end_episode', () => this.callReady(this.endEpisode, { data: success }));
  }

  /** Resolves when every call made so far has finished. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async callReady<Req>(client: ManagerClient<Req>, request: Req): Promise<Reply> {
    if (!client.isServiceReady() && !(await client.waitForService(10))) throw new Error(`${client.name} is not available`);
    return client.call(request, 5);
  }

  private enqueue(what: string, call: () => Promise<Reply>, retries = 0): void {
    this.queue = this.queue.then(async () => {
      try {
        let r = await call();
        for (let retry = 0; !r.success && retry < retries; retry++) {
          await this.sleep(EM_RETRY_PERIOD);
          r = await call();
        }
        if (!r.success) this.warn(`episode manager refused ${what}: ${r.message}`);
      } catch (err) {
        this.warn(`episode manager: ${what} failed: ${errorText(err)}`);
      }
    });
  }
}
