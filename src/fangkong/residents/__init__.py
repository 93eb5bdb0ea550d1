"""The resident's own pages: sign in with a one-time code sent to one's phone, see one's
own status (each module plugs its section in), ask for help."""
