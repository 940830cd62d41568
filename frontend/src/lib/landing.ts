/**
 * Where a person lands after signing in (or being approved): USERs use agents, so they start in operation
 * mode's catalogue; ADMINs (who build and run the platform) start wherever their last mode was ('/').
 */
export function landingPath(role: string): string {
  if (role === 'PENDING') return '/pending'
  return role === 'USER' ? '/operation' : '/'
}
