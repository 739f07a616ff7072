/**
 * Small readers for handler inputs: process variables and parameters arrive
 * as JSON (numbers may be strings from a form, objects may be missing), so
 * each handler reads them through these instead of casting.
 */
import { romeDay } from '../../engine/calendar/index.js';

export type Json = Record<string, unknown>;

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function int(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

export function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}

export function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.map(num).filter((n): n is number => n !== undefined) : [];
}

/** The Rome date (YYYY-MM-DD) of an instant. */
export function dayOf(at: Date): string {
  return romeDay(at);
}

/** Rounded to the cent. */
export function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
