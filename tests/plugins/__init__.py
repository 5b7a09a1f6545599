"""Real plugins that the plugin-host tests register, one concern or a few hooks each.

``reviews`` and ``override`` are packages shaped like third-party plugins
(templates and static files beside the code); the modules are smaller
plugins; ``faulty`` holds plugins that must stop start-up.
"""
