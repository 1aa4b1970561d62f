"""The patients' web app at /app/: phone-first pages a clinic can hand out as a link or a QR code.

Server-rendered like the console; script only adds push and offline. It is a facade over the
same services as the app API (/v1/me), so a check-in here is the same as one from a phone app.
"""
