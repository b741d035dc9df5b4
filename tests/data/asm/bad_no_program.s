# expect: bad_no_program.s:1:1: no 'program NAME' line
# kind: input
