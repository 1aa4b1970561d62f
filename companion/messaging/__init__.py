"""What SMS and e-mail providers tell us back: Twilio's inbound messages (STOP, START...) and
its delivery status callbacks, each checked against Twilio's signature."""
