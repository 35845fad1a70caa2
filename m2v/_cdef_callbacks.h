/*
** Python functions that C calls: the m2v_tokenizer callback table used when
** StaticModel.from_pretrained(..., tokenizer=<callable>). Read by build.py
** after _cdef.h. Defined in m2v/_callback.py with ffi.def_extern().
*/
extern "Python" int _m2v_py_tokenize(void *user_data, void *scratch,
                                     const char *text, size_t text_len,
                                     size_t max_tokens, int32_t *ids,
                                     size_t ids_capacity, size_t *n_ids);
extern "Python" void *_m2v_py_scratch_new(void *user_data);
extern "Python" void _m2v_py_scratch_free(void *user_data, void *scratch);
