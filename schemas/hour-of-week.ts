// Hours of the week, in UTC: 0 is Monday 00:00–00:59, 167 is Sunday 23:00–23:59.
// Robots run everywhere, so UTC is the one calendar every series shares; a location's local
// rhythm still shows up, only shifted to its own UTC hours.

export const hoursPerWeek = 168;

export function hourOfWeek(at: Date | number): number {
  const date = typeof at === 'number' ? new Date(at) : at;
  const mondayBasedDay = (date.getUTCDay() + 6) % 7;
  return mondayBasedDay * 24 + date.getUTCHours();
}
