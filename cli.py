"""Script form of the ``oneshot`` CLI, for launchers that take a file:

accelerate launch --config_file accelerate_configs/zero2.yaml cli.py train --model ... --example-id pi1
"""

from oneshot_trl.cli import main

if __name__ == "__main__":
    main()
