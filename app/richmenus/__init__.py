"""Rich menus: definitions, validation against LINE's limits, drawn images, publishing and
linking each friend to the menu their audience rules give them."""
