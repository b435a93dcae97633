"""Operations code: the `tradecert` command line (`cli`), the local supervisor behind
`make run` (`supervisor`), the development SMTP sink (`mailsink`) and the chamber and staff
set-up both of the first two use (`accounts`).

It sits above the services: it may import their domain code; nothing in `tradecert/`,
`services/` or `gateway/` imports it.
"""
