"""Operations: the platform runs itself (docs/operations.md).

- stats.py / usage_repository.py  admin statistics from the pre-aggregated usage counters
- audit.py                        the audit log for admins
- health.py / probes.py           scheduled health checks of LLMs and published agents, incidents by mail
- lifecycle.py                    the daily clean-up of idle agents, with warnings and a dry run
- notices.py                      the mails to owners (ids that name their event)
- repository.py                   audit log, job cursors, agent health state and history
- ports.py / bridges.py           what the jobs need from other domains, and the adapters to them
- composition.py                  the real services, built from settings

Mail goes through the durable outbox in `a2g.adapters.mail`.
"""
