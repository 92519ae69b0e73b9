"""The vendor-neutral sandbox: the loopback HTTP server the fakes run on, what the core asks of a
fake (``fakes``), the seeded demo world, the demo's simulated week (``week``) and its CRM users
(``users``), and the packaged demo config.

Each connector's fake lives beside its connector (``connectors/<role>/<kind>/fake``) and is named
in ``connectors.registry``; nothing here imports one.
"""
