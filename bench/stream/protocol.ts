/** Messages between bench:stream's runner and its two children. */
import type { HistogramSummary } from '../media/histogram.ts';

export interface LoadConfig {
  streams: number;
}

export type LoadOut =
  | { type: 'ready'; agentUrl: string; phonePorts: number[] }
  | {
      type: 'result';
      media: HistogramSummary;
      rtp: HistogramSummary;
      sendJitter: HistogramSummary;
      mediaFrames: number;
      rtpPackets: number;
      played: number;
      streamsSeen: number;
    }
  | { type: 'error'; message: string };

export type LoadIn = { type: 'run'; endpointPorts: number[]; seconds: number; warmupSeconds: number };

export interface EngineConfig {
  streams: number;
  agentUrl: string;
  phonePorts: number[];
  ports: { low: number; high: number };
}

export type EngineOut =
  | {
      type: 'ready';
      endpointPorts: number[];
      heapBeforeMb: number;
      rssBeforeMb: number;
      heapMb: number;
      rssMb: number;
    }
  | {
      type: 'stats';
      heapMb: number;
      rssMb: number;
      mediaDropped: number;
      mediaSent: number;
      playAudio: number;
      playedStream: number;
      clockSkipped: number;
      cpuPct: number;
    }
  | { type: 'error'; message: string };

export type EngineIn = { type: 'stats' };
