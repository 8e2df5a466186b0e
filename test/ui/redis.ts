/**
 * Real redis-server processes standing in for core0's Redis on the addresses the ZeroTier simulator assigns
 * (every 127.x.y.z is local on Linux). Each is ready when it answers PING; stop() ends it and waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';

export interface RedisNode {
  address: string;
  port: number;
  stop(): Promise<void>;
}

function pings(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

export async function startRedis(address: string, port: number, timeoutMs = 5000): Promise<RedisNode> {
  const child: ChildProcess = spawn('redis-server', ['--bind', address, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await pings(address, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on ${address}:${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { address, port, stop };
}
