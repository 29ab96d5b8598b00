from jobatlas.cli import main

main()
